"""Figures and movies of measured runs; nothing here trains or measures.

- tables.py: information.csv and metrics.csv as numpy arrays; the mean over repeats (where
  every repeat measured)
- panels.py: the runs a figure compares, its panels, and titles naming what differs
- style.py: epoch colours and scale, layer markers, layout, saving png/svg/pdf
- plane.py: the information plane (and ``plot_run``, which main_data.py calls after a run)
- curves.py: I(X;T) and I(Y;T) against epoch
- metrics.py: training loss and accuracy against epoch
- movie.py: frames of the animated plane; video.py: writing them as GIF or MP4
- report.py: the interactive HTML report of runs (plotly, an optional extra)
- tensorboard.py: a run's tables as TensorBoard events (the tensorboard package, optional)
- synthetic.py: a synthetic run with closed-form curves (for the tests and a benchmark)

Figures are ``matplotlib.figure.Figure`` objects drawn on the Agg canvas, never pyplot's, so
no display is ever needed.
"""
