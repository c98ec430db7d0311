/*
 * Leaving generated code for the exec loop: guest exceptions raised by
 * helpers and slow paths, and plain exits. The state of the faulting
 * instruction is rebuilt from the insn_start words of its TB (see the
 * fault recovery note in tcg/tcg.h): the host address is turned back into
 * a TB by tb_find_by_host(), the instruction by tcg_insn_data_find(), and
 * x86_restore_state() applies RIP and cc_op. The loop is re-entered with
 * siglongjmp(env->jmp_env); nothing on the way out holds a lock.
 *
 * ra is what the backends pass to slow paths and what helpers get from
 * TCG_GETPC(): an address just after the start of the faulting host (or
 * bytecode) instruction, so ra - 1 lies inside it under both backends;
 * 0 means the state is already exact.
 */
#include "accel/tcg/tcg-internal.h"

void x86_restore_state(CPUX86TCG *env, const uint64_t *data)
{
    env->st.rip = data[0];
    if (data[1] != X86_CC_OP_DYNAMIC) {
        env->cc_op = (uint32_t)data[1];
    }
}

uintptr_t tcg_host_pc(TCGVcpu *v, uintptr_t ra)
{
    return ra && v ? ra - 1 : 0;
}

TranslationBlock *cpu_restore_state(CPUX86TCG *env, uintptr_t ra,
                                    int *insn_idx)
{
    TCGVcpu *v = tcg_vcpu(env);
    uintptr_t host = tcg_host_pc(v, ra);
    uint64_t data[TCG_INSN_START_WORDS];
    TranslationBlock *tb;
    int i;

    if (!host) {
        return NULL;
    }
    tb = tb_find_by_host(v, host);
    if (!tb) {
        return NULL;
    }
    i = tcg_insn_data_find_ra(&tb->code, ra, data);
    if (i >= 0) {
        x86_restore_state(env, data);
    }
    if (insn_idx) {
        *insn_idx = i;
    }
    return tb;
}

static void __attribute__((noreturn)) cpu_loop_jump(CPUX86TCG *env)
{
    siglongjmp(env->jmp_env, 1);
}

void x86_raise_exception_err(CPUX86TCG *env, int vector, uint32_t error_code,
                             uintptr_t ra)
{
    cpu_restore_state(env, ra, NULL);
    env->exception_index = vector;
    env->error_code = error_code;
    env->exception_is_int = false;
    env->exception_next_rip = 0;
    cpu_loop_jump(env);
}

void x86_raise_exception(CPUX86TCG *env, int vector, uintptr_t ra)
{
    x86_raise_exception_err(env, vector, 0, ra);
}

void x86_raise_interrupt(CPUX86TCG *env, int vector, uint64_t next_rip,
                         uintptr_t ra)
{
    cpu_restore_state(env, ra, NULL);
    env->exception_index = vector;
    env->error_code = 0;
    env->exception_is_int = true;
    env->exception_next_rip = next_rip;
    cpu_loop_jump(env);
}

void x86_cpu_loop_exit(CPUX86TCG *env, uintptr_t ra)
{
    cpu_restore_state(env, ra, NULL);
    env->exception_index = -1;
    cpu_loop_jump(env);
}
