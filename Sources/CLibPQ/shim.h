// libpq, PostgreSQL's own client library (Debian's libpq-dev; found through pkg-config).
#include <libpq-fe.h>
// eventfd(2), the connection thread's wake-up (PostgresPipeline); Swift's Glibc module leaves
// <sys/eventfd.h> out.
#include <sys/eventfd.h>
