"""Synthetic Hunan road-safety demo data: road network, facilities and hazards, loaded in one go."""

from layers.demo.load import load_demo

__all__ = ["load_demo"]
