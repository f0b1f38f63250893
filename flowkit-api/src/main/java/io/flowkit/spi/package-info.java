/**
 * The service-provider interface between flowkit's API and its engine. Applications use
 * {@link io.flowkit.FlowTracker#builder()} instead.
 */
package io.flowkit.spi;
