"""Similar cases (相似信访件): which cases, across petitioners, tell the same matter.

``engine`` holds the pure functions (normalisation, shingles, MinHash signatures, LSH bands,
scoring with reasons, clustering); ``models`` the stored signatures and bucket index, and
the clustering runs with their clusters; ``services`` indexing and the
visibility-respecting lookups; ``indexing`` keeps the index in step with the cases (ORM
events); ``clusters`` the clustering runs, decisions on clusters and the nightly job;
``permissions`` who sees the clusters; ``views`` the pages; ``demo`` the demo's matters.
"""
