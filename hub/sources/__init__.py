"""Collection points (民情民意收集点) and visiting work teams (群众工作队): intake sources
whose requests are recorded, handled and counted (办结率), or turned into petition cases
that remember where they came from."""
