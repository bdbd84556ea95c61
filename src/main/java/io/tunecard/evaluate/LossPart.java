package io.tunecard.evaluate;

import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/** The summed answer-token NLL of one {@link LossShard}. */
@DefaultCoder(ElementCoder.class)
public record LossPart(
    String model, String adapter, Long step, int index, int rows, double sum, long tokens)
    implements Serializable {}
