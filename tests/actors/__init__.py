"""Actors that live only in tests: each one file, registered by the test that uses it."""
