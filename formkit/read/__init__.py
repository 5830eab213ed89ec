"""Reading returned workbooks."""
