"""Runs a little, then exits with code 3."""
import sys
import time

time.sleep(0.4)
sys.exit(3)
