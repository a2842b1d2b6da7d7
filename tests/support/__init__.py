"""Helpers the tests share: servers they start, processes they kill, the README's blocks."""
