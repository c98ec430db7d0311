/*
 * Expands the helper list TCG_HELPER_FILE into TCGHelperInfo records
 * helper_info_NAME (see tcg/helper-types.h). Include it in exactly one .c
 * file, after tcg/helper-proto.h for the same list.
 */
#include "tcg/helper-types.h"

#define TCG_HELPER_INFO(n, fl, r, cnt, ...)                                  \
    extern const TCGHelperInfo helper_info_##n;                              \
    const TCGHelperInfo helper_info_##n = {                                  \
        .name = #n, .func = (void (*)(void))helper_##n, .flags = (fl),       \
        .ret = dh_typecode(r), .nargs = (cnt), .args = { __VA_ARGS__ } };

#define DEF_HELPER_FLAGS_0(n, fl, r) TCG_HELPER_INFO(n, fl, r, 0, 0)
#define DEF_HELPER_FLAGS_1(n, fl, r, a) \
    TCG_HELPER_INFO(n, fl, r, 1, dh_typecode(a))
#define DEF_HELPER_FLAGS_2(n, fl, r, a, b) \
    TCG_HELPER_INFO(n, fl, r, 2, dh_typecode(a), dh_typecode(b))
#define DEF_HELPER_FLAGS_3(n, fl, r, a, b, c) \
    TCG_HELPER_INFO(n, fl, r, 3, dh_typecode(a), dh_typecode(b), dh_typecode(c))
#define DEF_HELPER_FLAGS_4(n, fl, r, a, b, c, d)                            \
    TCG_HELPER_INFO(n, fl, r, 4, dh_typecode(a), dh_typecode(b),            \
                    dh_typecode(c), dh_typecode(d))
#define DEF_HELPER_FLAGS_5(n, fl, r, a, b, c, d, e)                         \
    TCG_HELPER_INFO(n, fl, r, 5, dh_typecode(a), dh_typecode(b),            \
                    dh_typecode(c), dh_typecode(d), dh_typecode(e))
#define DEF_HELPER_FLAGS_6(n, fl, r, a, b, c, d, e, f)                      \
    TCG_HELPER_INFO(n, fl, r, 6, dh_typecode(a), dh_typecode(b),            \
                    dh_typecode(c), dh_typecode(d), dh_typecode(e),         \
                    dh_typecode(f))

#include TCG_HELPER_FILE

#undef TCG_HELPER_INFO
#undef DEF_HELPER_FLAGS_0
#undef DEF_HELPER_FLAGS_1
#undef DEF_HELPER_FLAGS_2
#undef DEF_HELPER_FLAGS_3
#undef DEF_HELPER_FLAGS_4
#undef DEF_HELPER_FLAGS_5
#undef DEF_HELPER_FLAGS_6
