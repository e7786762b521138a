"""巡察 rounds: the unit under inspection and the team, the batches of petition issues handed
to the team, and the round's 整改 (rectification) items tracked to completion."""
