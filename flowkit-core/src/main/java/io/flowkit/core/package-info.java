/**
 * flowkit-core's public package: the log writers used by the {@code flowkit} command and
 * available to applications. The engine itself is reached through
 * {@link io.flowkit.FlowTracker#builder()}; everything under {@code io.flowkit.core.internal} is
 * implementation, not exported, and carries no compatibility promise.
 */
package io.flowkit.core;
