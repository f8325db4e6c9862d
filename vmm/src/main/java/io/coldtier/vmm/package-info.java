/**
 * The reference VMM ({@code coldtier vmm}): owns guest memory in a memfd, hands it to the agent over the hand-over
 * protocol ({@link io.coldtier.vmm.AgentLink}), and runs a self-verifying guest on it
 * ({@link io.coldtier.vmm.ReferenceVmm}). The KVM guest lives in {@code io.coldtier.vmm.kvm}.
 */
package io.coldtier.vmm;
