"""Statistics: success rates and intervals, the always-valid comparison, the funnel."""
