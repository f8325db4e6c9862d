/**
 * The VMM hand-over protocol (spec: the module README): a VMM connects to the agent's Unix socket, sends one
 * {@link io.coldtier.handover.Message.Hello} with its userfaultfd and memfds attached (SCM_RIGHTS), and keeps the
 * connection open as its liveness signal. This package holds the messages and their strict JSON codec, the
 * validation of a hand-over ({@link io.coldtier.handover.HandOverValidator}), the agent's listener
 * ({@link io.coldtier.handover.HandOverServer}) and the VMM's client ({@link io.coldtier.handover.HandOverClient}).
 */
package io.coldtier.handover;
