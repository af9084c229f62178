"""Calibration: does the monitor measure failure rates we know?"""
