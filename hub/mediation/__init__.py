"""三·三制 mediation: a dispute (矛盾纠纷) mediated at three levels — 村民小组, 村委会, 乡镇 —
with three recorded attempts at a level before it moves up, resolved where it was solved,
and turned into a petition case when the township cannot resolve it."""
