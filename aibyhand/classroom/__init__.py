"""The classroom side: worksheet files, variants, printable sheets, the interactive page,
and the answer checker. The worksheets' math is in the modules one level up."""
