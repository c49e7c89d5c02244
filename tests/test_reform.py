def test_batch_jobs_carry_the_variant():
    from cpts_analysis.report.jobs import batch_jobs

    jobs = batch_jobs("departement", EXAMPLE_REGISTRY, "2026-06-01", "reforme", TAILLE_2)
    assert len(jobs) == 12 and all(job.notebook.stem == "reforme" for job in jobs)
    assert {job.parameters["variante"] for job in jobs} == {str(TAILLE_2.resolve())}
    # The variant is an input: editing it makes a rerun recompute the reports.
    assert all(TAILLE_2 in job.inputs for job in jobs)


def test_report_refuses_a_broken_variant_before_any_kernel(tmp_path, capsys):
    path = write(tmp_path, "description: d\nchanges: oui\n")
    argv = ["report", "--notebook", "reforme", "--territory", "63", "--variant", str(path)]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 1
    assert "variante.yaml, clé changes" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
