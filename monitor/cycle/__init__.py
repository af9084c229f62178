"""The cycle: the journeys run as a pytest child, attempts classified, the schedule."""
