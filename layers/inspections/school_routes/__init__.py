"""通学路合同点検 (joint school-route inspection): the sites a school, the road authority and
the police inspected together, each with its three measures, kept as cities keep the
spreadsheet 通学路交通安全対策箇所一覧表 (DOMAIN.md §7)."""
