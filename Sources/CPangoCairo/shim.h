// Pango (text layout, through its cairo backend) and cairo's PDF surface, for InvoicePDF.
// The include paths come from pkg-config (`pangocairo`); Debian: libpango1.0-dev libcairo2-dev.
#include <pango/pangocairo.h>
#include <cairo/cairo-pdf.h>
