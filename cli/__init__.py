"""The mbt-advisor command line: a thin layer over the mbt_advisor library."""
