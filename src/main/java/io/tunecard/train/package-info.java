/**
 * The base and training stages (docs/training.md): the tokenizer and tiny pre-trained base for
 * {@code model.base: scratch} ({@link io.tunecard.train.TrainingStage#prepareBase}, {@link
 * io.tunecard.train.PrepareBase}), the LoRA fine-tune in a supervised child ({@link
 * io.tunecard.train.TrainingStage#train}, {@link io.tunecard.train.TrainAdapter}), and the djl
 * engine's worker child ({@link io.tunecard.train.DjlWorker}: pretrain, train, eval_loss), which
 * follows the hf worker's data, loss, schedule and checkpoint semantics.
 */
package io.tunecard.train;
