-- Turn restrictions (OSM no_* and only_*) between two segments at a node.
SELECT restriction, from_segment, via_node, to_segment FROM turn_restrictions
