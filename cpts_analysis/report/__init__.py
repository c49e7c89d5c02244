"""Report content: what the report templates call inside their kernel (tables, charts, maps).

Everything here runs in a notebook kernel and needs only pandas, matplotlib, shapely and
IPython's display: the machinery that starts kernels, executes templates, exports and batches
them lives in :mod:`cpts_analysis.runner`, which imports this layer, never the reverse (the
architecture tests hold both ends). Submodules are imported explicitly
(``from cpts_analysis.report import plots``).
"""
