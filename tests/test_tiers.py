import numpy as np
import pytest

from cpts_analysis.aci.rules import rules_at
from cpts_analysis.aci.tiers import TierBounds
from cpts_analysis.core.errors import InputError

BOUNDS = rules_at("2020-01-01").tiers


@pytest.mark.parametrize(
    ("population", "tier"),
    [
        (0, 1),
        (39_999, 1),
        (40_000, 2),
        (79_999, 2),
        (80_000, 3),
        (175_000, 3),
        (175_001, 4),
        (2_103_778, 4),
    ],
)
def test_default_tier_edges(population, tier):
    assert BOUNDS.tier(population) == tier


def test_vectorised_and_distances():
    populations = [39_999, 40_000, 175_000, 175_001]
    assert BOUNDS.tier(populations).tolist() == [1, 2, 3, 4]
    np.testing.assert_array_equal(BOUNDS.distance_to_next(populations), [1, 40_000, 1, np.nan])
    np.testing.assert_array_equal(BOUNDS.distance_to_previous(populations), [np.nan, 1, 95_001, 1])


def test_configurable_bounds():
    strict = TierBounds(thresholds=(40_000, 80_000, 175_000), inclusive=(False, False, False))
    assert strict.tier([40_000, 40_001, 80_000, 175_000]).tolist() == [1, 2, 2, 3]
    with pytest.raises(ValueError, match="croissantes"):
        TierBounds(thresholds=(80_000, 40_000, 175_000), inclusive=(True, True, True))


@pytest.mark.parametrize("bad", [-1, 1.5, "abc", None, True, float("nan")])
def test_refuses_bad_populations(bad):
    with pytest.raises(InputError, match="population"):
        BOUNDS.tier([10, bad])


def test_labels_follow_bounds():
    assert BOUNDS.labels() == {
        1: "moins de 40\u202f000 habitants",
        2: "de 40\u202f000 à 79\u202f999 habitants",
        3: "de 80\u202f000 à 175\u202f000 habitants",
        4: "plus de 175\u202f000 habitants",
    }
