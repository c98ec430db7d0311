/*
 * Expands the helper list TCG_HELPER_FILE into C prototypes
 * (see tcg/helper-types.h). May be included once per list.
 */
#include "tcg/helper-types.h"

#define DEF_HELPER_FLAGS_0(n, fl, r) dh_ctype(r) helper_##n(void);
#define DEF_HELPER_FLAGS_1(n, fl, r, a) dh_ctype(r) helper_##n(dh_ctype(a));
#define DEF_HELPER_FLAGS_2(n, fl, r, a, b) \
    dh_ctype(r) helper_##n(dh_ctype(a), dh_ctype(b));
#define DEF_HELPER_FLAGS_3(n, fl, r, a, b, c) \
    dh_ctype(r) helper_##n(dh_ctype(a), dh_ctype(b), dh_ctype(c));
#define DEF_HELPER_FLAGS_4(n, fl, r, a, b, c, d) \
    dh_ctype(r) helper_##n(dh_ctype(a), dh_ctype(b), dh_ctype(c), dh_ctype(d));
#define DEF_HELPER_FLAGS_5(n, fl, r, a, b, c, d, e)                          \
    dh_ctype(r) helper_##n(dh_ctype(a), dh_ctype(b), dh_ctype(c), dh_ctype(d), \
                           dh_ctype(e));
#define DEF_HELPER_FLAGS_6(n, fl, r, a, b, c, d, e, f)                       \
    dh_ctype(r) helper_##n(dh_ctype(a), dh_ctype(b), dh_ctype(c), dh_ctype(d), \
                           dh_ctype(e), dh_ctype(f));

#include TCG_HELPER_FILE

#undef DEF_HELPER_FLAGS_0
#undef DEF_HELPER_FLAGS_1
#undef DEF_HELPER_FLAGS_2
#undef DEF_HELPER_FLAGS_3
#undef DEF_HELPER_FLAGS_4
#undef DEF_HELPER_FLAGS_5
#undef DEF_HELPER_FLAGS_6
