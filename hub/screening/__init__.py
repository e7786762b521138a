"""The monthly screening (月度排查) and its three lists (三张清单): every county submits its
问题清单, 责任清单 and 任务清单 by the 5th working day, kept as a ledger closed item by item
(销号); key persons (重点人员) on it are seen only by the county and the secretariat."""
