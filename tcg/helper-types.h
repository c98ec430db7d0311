/*
 * Type plumbing for declaring TCG helpers once in a helper list file.
 *
 * A helper list file (for example the x86 translator's helper.def) holds
 * lines such as
 *
 *     DEF_HELPER_FLAGS_2(divb, 0, void, env, i32)
 *     DEF_HELPER_FLAGS_1(popcnt, TCG_CALL_NO_RWG_SE, i32, i32)
 *     DEF_HELPER_2(cpuid, void, env, i32)          (flags 0)
 *
 * Types: void (return only), i32 (uint32_t), s32 (int32_t), i64, s64,
 * ptr (void *) and env (the CPU state pointer; its C type is
 * TCG_HELPER_ENV_CTYPE, void * unless defined before the first include).
 *
 * The list is expanded three times by defining TCG_HELPER_FILE to its
 * path and including:
 *   tcg/helper-proto.h  prototypes: ret helper_NAME(args...)
 *   tcg/helper-info.h   const TCGHelperInfo helper_info_NAME (in one .c)
 *   tcg/helper-gen.h    gen_helper_NAME(s, [ret,] args...) for translators
 */
#ifndef KITE_TCG_HELPER_TYPES_H
#define KITE_TCG_HELPER_TYPES_H

#include "tcg/tcg.h"

#ifndef TCG_HELPER_ENV_CTYPE
#define TCG_HELPER_ENV_CTYPE void *
#endif

#define TCG_GLUE_(a, b) a##b
#define TCG_GLUE(a, b) TCG_GLUE_(a, b)

#define dh_ctype_void void
#define dh_ctype_i32 uint32_t
#define dh_ctype_s32 int32_t
#define dh_ctype_i64 uint64_t
#define dh_ctype_s64 int64_t
#define dh_ctype_ptr void *
#define dh_ctype_env TCG_HELPER_ENV_CTYPE
#define dh_ctype(t) TCG_GLUE(dh_ctype_, t)

#define dh_typecode_void TCG_HT_VOID
#define dh_typecode_i32 TCG_HT_I32
#define dh_typecode_s32 TCG_HT_S32
#define dh_typecode_i64 TCG_HT_I64
#define dh_typecode_s64 TCG_HT_S64
#define dh_typecode_ptr TCG_HT_PTR
#define dh_typecode_env TCG_HT_PTR
#define dh_typecode(t) TCG_GLUE(dh_typecode_, t)

#define dh_tcgv_i32 TCGv_i32
#define dh_tcgv_s32 TCGv_i32
#define dh_tcgv_i64 TCGv_i64
#define dh_tcgv_s64 TCGv_i64
#define dh_tcgv_ptr TCGv_ptr
#define dh_tcgv_env TCGv_ptr
#define dh_tcgv(t) TCG_GLUE(dh_tcgv_, t)

#define dh_temp_i32(v) tcgv_i32_temp(v)
#define dh_temp_s32(v) tcgv_i32_temp(v)
#define dh_temp_i64(v) tcgv_i64_temp(v)
#define dh_temp_s64(v) tcgv_i64_temp(v)
#define dh_temp_ptr(v) tcgv_ptr_temp(v)
#define dh_temp_env(v) tcgv_ptr_temp(v)
#define dh_temp(t, v) TCG_GLUE(dh_temp_, t)(v)

/* gen_helper_NAME's result parameter: none for void */
#define dh_retparam_void
#define dh_retparam_i32 , TCGv_i32 retv
#define dh_retparam_s32 , TCGv_i32 retv
#define dh_retparam_i64 , TCGv_i64 retv
#define dh_retparam_s64 , TCGv_i64 retv
#define dh_retparam_ptr , TCGv_ptr retv
#define dh_retparam(t) TCG_GLUE(dh_retparam_, t)
#define dh_retarg_void NULL
#define dh_retarg_i32 tcgv_i32_temp(retv)
#define dh_retarg_s32 tcgv_i32_temp(retv)
#define dh_retarg_i64 tcgv_i64_temp(retv)
#define dh_retarg_s64 tcgv_i64_temp(retv)
#define dh_retarg_ptr tcgv_ptr_temp(retv)
#define dh_retarg(t) TCG_GLUE(dh_retarg_, t)

#define DEF_HELPER_0(n, r) DEF_HELPER_FLAGS_0(n, 0, r)
#define DEF_HELPER_1(n, r, a) DEF_HELPER_FLAGS_1(n, 0, r, a)
#define DEF_HELPER_2(n, r, a, b) DEF_HELPER_FLAGS_2(n, 0, r, a, b)
#define DEF_HELPER_3(n, r, a, b, c) DEF_HELPER_FLAGS_3(n, 0, r, a, b, c)
#define DEF_HELPER_4(n, r, a, b, c, d) DEF_HELPER_FLAGS_4(n, 0, r, a, b, c, d)
#define DEF_HELPER_5(n, r, a, b, c, d, e) \
    DEF_HELPER_FLAGS_5(n, 0, r, a, b, c, d, e)
#define DEF_HELPER_6(n, r, a, b, c, d, e, f) \
    DEF_HELPER_FLAGS_6(n, 0, r, a, b, c, d, e, f)

#endif
