"""The workshop game on one deployment: the generator's schedule, bursts, the referee, the score."""
