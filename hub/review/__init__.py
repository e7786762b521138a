"""评查: case-quality review rounds — the secretariat checks how a sample of cases was
handled against a checklist, sends what it finds to the handling agency for 整改, and
reports the scores by agency and the most frequent problems."""
