"""Datasets by name and their train/test split (``datasets``; Tishby's generated sets in
``tishby``), and a saved run's data reloaded as it was trained (``run_data``).

Below the networks and measuring; above ``rundir`` (whose config names the data).
"""
