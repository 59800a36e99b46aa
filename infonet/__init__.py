"""information-networks: how much information each layer of a neural network keeps about its
input X and its label Y, epoch by epoch, in bits.

The packages, bottom to top (README, "Architecture"): ``infonet.information`` (the
estimators), ``infonet.rundir`` (the run directory), ``infonet.analysis`` (statistics of the
tables), ``infonet.data`` (datasets), ``infonet.networks`` (models, training, recorders,
``open_run``), ``infonet.measuring`` (the runner), ``infonet.plotting`` (figures, the report)
and ``infonet.cli`` (the commands' shared parts). Nothing is imported here, so that importing
one package never loads the others.
"""
