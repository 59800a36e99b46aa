"""What the four commands share and nothing else uses: one-line errors and exit statuses,
shared flags (``command``), the papers' presets as flag values (``presets``), the options
of the plotting commands (``plot_options``), and ``infonet``, the installed console command
over them (``console``). The top layer: it may import every package.
"""
