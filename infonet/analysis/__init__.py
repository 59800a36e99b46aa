"""Statistics of a measured run: its tables as arrays, means over repeats with their errors, and
the compression test. Pure functions of the tables; nothing here draws or trains."""
