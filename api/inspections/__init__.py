"""通学路合同点検 and the other inspections, outward (layers/inspections/)."""
