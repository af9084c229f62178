"""What the monitor shows people: the history report (text, HTML) and one cycle's summary."""
