"""The agency tree (州 → 县/市 → 乡镇 → 村/社区) and its admin pages."""
