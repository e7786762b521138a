"""Joint meetings: 联席会议, 联合会商研判 and 联合实地督办 — scheduling, agenda, invitations,
attendance, outcomes and tasks, minutes."""
