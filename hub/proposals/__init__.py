"""政策完善建议: policy proposals drawn from clusters of similar petitions or chosen cases,
sent through the joint mechanism, answered, carried out and checked for effect."""
