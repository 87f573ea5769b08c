"""`machimap import facility_building FILE`: a 公共施設台帳 / 固定資産台帳 export, one row per
building (棟), into the facility register (layers/city/buildings.py)."""
