"""The LEDA aggregation pipeline: a pure domain core (`domain`) and its AWS adapters (`io`)."""
