"""Monitors: keyed diffs between checks of a watched target, and which changes are worth telling."""
