"""Load test of the product under 20 concurrent users (issues 4 and 8): ``python -m benchmarks.load``."""
