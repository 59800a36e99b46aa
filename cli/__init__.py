"""What the four commands share and nothing else uses: one-line errors and exit statuses,
shared flags (``command``), the papers' presets as flag values (``presets``), and the options
of the plotting commands (``plot_options``). The top layer: it may import every package.
"""
