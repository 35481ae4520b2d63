"""The synthetic city: seeded record files in real-world formats, with a hidden truth.

>>> from credit_scoring.synth import generate_city
"""

from credit_scoring.synth.city import CityFiles, generate_city

__all__ = ["CityFiles", "generate_city"]
