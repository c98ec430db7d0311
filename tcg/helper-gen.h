/*
 * Expands the helper list TCG_HELPER_FILE into IR builders
 * gen_helper_NAME(s, [ret,] args...) that emit a call op
 * (see tcg/helper-types.h).
 */
#include "tcg/helper-types.h"

#define TCG_HELPER_GEN(n, r, params, ...)                                     \
    extern const TCGHelperInfo helper_info_##n;                               \
    static inline void gen_helper_##n(TCGContext *s dh_retparam(r) params)    \
    {                                                                         \
        TCGTemp *args_[TCG_HELPER_MAX_ARGS] = { __VA_ARGS__ };                \
        tcg_gen_callN(s, &helper_info_##n, dh_retarg(r), args_);              \
    }
#define TCG_HP(t, v) , dh_tcgv(t) v

#define DEF_HELPER_FLAGS_0(n, fl, r) TCG_HELPER_GEN(n, r, , NULL)
#define DEF_HELPER_FLAGS_1(n, fl, r, a) \
    TCG_HELPER_GEN(n, r, TCG_HP(a, a1), dh_temp(a, a1))
#define DEF_HELPER_FLAGS_2(n, fl, r, a, b)                                   \
    TCG_HELPER_GEN(n, r, TCG_HP(a, a1) TCG_HP(b, a2), dh_temp(a, a1),        \
                   dh_temp(b, a2))
#define DEF_HELPER_FLAGS_3(n, fl, r, a, b, c)                                \
    TCG_HELPER_GEN(n, r, TCG_HP(a, a1) TCG_HP(b, a2) TCG_HP(c, a3),          \
                   dh_temp(a, a1), dh_temp(b, a2), dh_temp(c, a3))
#define DEF_HELPER_FLAGS_4(n, fl, r, a, b, c, d)                             \
    TCG_HELPER_GEN(n, r,                                                     \
                   TCG_HP(a, a1) TCG_HP(b, a2) TCG_HP(c, a3) TCG_HP(d, a4),  \
                   dh_temp(a, a1), dh_temp(b, a2), dh_temp(c, a3),           \
                   dh_temp(d, a4))
#define DEF_HELPER_FLAGS_5(n, fl, r, a, b, c, d, e)                          \
    TCG_HELPER_GEN(n, r,                                                     \
                   TCG_HP(a, a1) TCG_HP(b, a2) TCG_HP(c, a3) TCG_HP(d, a4)   \
                   TCG_HP(e, a5),                                            \
                   dh_temp(a, a1), dh_temp(b, a2), dh_temp(c, a3),           \
                   dh_temp(d, a4), dh_temp(e, a5))
#define DEF_HELPER_FLAGS_6(n, fl, r, a, b, c, d, e, f)                       \
    TCG_HELPER_GEN(n, r,                                                     \
                   TCG_HP(a, a1) TCG_HP(b, a2) TCG_HP(c, a3) TCG_HP(d, a4)   \
                   TCG_HP(e, a5) TCG_HP(f, a6),                              \
                   dh_temp(a, a1), dh_temp(b, a2), dh_temp(c, a3),           \
                   dh_temp(d, a4), dh_temp(e, a5), dh_temp(f, a6))

#include TCG_HELPER_FILE

#undef TCG_HELPER_GEN
#undef TCG_HP
#undef DEF_HELPER_FLAGS_0
#undef DEF_HELPER_FLAGS_1
#undef DEF_HELPER_FLAGS_2
#undef DEF_HELPER_FLAGS_3
#undef DEF_HELPER_FLAGS_4
#undef DEF_HELPER_FLAGS_5
#undef DEF_HELPER_FLAGS_6
