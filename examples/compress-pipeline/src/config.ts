/**
 * The one configuration object of a pipeline run: what data, which models, how long to train, how
 * to prune and evaluate. A preset fills every field; command-line flags override single fields;
 * the resolved config is written to the run directory's config.json, and a rerun on the same
 * directory reads it back (flags that contradict it are refused).
 */

/** Where the images come from. */
export type DataSource = 'synthetic' | 'cfd' | 'folder';

/** Everything a run needs, fully resolved. */
export interface PipelineConfig {
  /** The preset the run started from (documentation only). */
  preset: PresetName;
  data: {
    /** 'synthetic' (built-in procedural cracks), 'cfd' (CrackForest) or 'folder' (images/ + masks/). */
    source: DataSource;
    /** Folder of a 'folder' source (absolute); for 'cfd' the folder actually used. */
    dir: string | null;
    /** Synthetic data: images to train on and images held out for evaluation. */
    trainImages: number;
    testImages: number;
    /** Synthetic image size (width x height). */
    width: number;
    height: number;
    /**
     * Train on every image, the held-out fold included (for the model that ships: its quality is
     * the cross-validated estimate; the run's own evaluation is then in-sample and says so).
     */
    trainOnAll: boolean;
  };
  /**
   * k of k-fold cross-validation, or null for a plain hold-out split (synthetic data without
   * --folds). CFD defaults to the thesis's 6 folds.
   */
  folds: number | null;
  /** The fold this run tests on (0-based), or 'all' to run every fold (only `run`). */
  fold: number | 'all' | null;
  teacher: ModelConfig;
  student: ModelConfig;
  training: {
    /** Images per batch. */
    batchSize: number;
    /** Side of the square random training crop in pixels; 0 trains on whole images. */
    crop: number;
    /** Random flips / rotations / brightness / contrast, drawn anew every epoch. */
    augment: boolean;
    /** alpha of eq 3-5: the weight of background pixels in the cross-entropy. */
    negativeWeight: number;
    /** Seed of initialisation, data order, crops and augmentation. */
    seed: number;
    /**
     * Learning-rate schedule of every training stage: 'constant' (the thesis) or 'cosine'
     * (half a cosine from the stage's rate down to 2 % of it over the stage's steps, by step).
     */
    schedule: LearningRateSchedule;
  };
  distill: {
    /** a of eq 4-4: weight of the hinge on crack pixels. */
    alpha: number;
    /** b of eq 4-4: weight of the hinge on background pixels. */
    beta: number;
    /** Weight of the distillation term in eq 4-5 (thesis: 1). */
    softWeight: number;
    /**
     * The distillation term: 'hinge' is eq 4-4 (with `margin` and `space`), 'kd' the binary
     * knowledge distillation with a temperature (@crack/distill's binaryKnowledgeDistillation).
     */
    loss: 'hinge' | 'kd';
    /** Hinge: clip teacher logits to [-margin, margin] (null: no clipping, eq 4-4). */
    margin: number | null;
    /** Hinge: compare logits (eq 4-4) or sigmoid probabilities. */
    space: 'logit' | 'probability';
    /** 'kd': the temperature T. */
    temperature: number;
    /** Epochs over which the distillation weight rises linearly from 0 (0: no warm-up). */
    warmupEpochs: number;
  };
  prune: {
    /** The student that is pruned: the distilled one (the thesis) or the control. */
    parent: 'distilled' | 'plain';
    /** Fraction of channels removed at every pruned map. */
    ratio: number;
    criterion: 'lasso' | 'l1' | 'random';
    /** 'in-block' prunes the thesis's five in-block maps; 'all' every prunable map. */
    sites: 'in-block' | 'all';
    /** Training images used to sample features. */
    images: number;
    /** Positions sampled per image. */
    samplesPerImage: number;
    /** Fraction of the positions drawn where the student sees a crack (0: uniform, the thesis). */
    crackFraction: number;
    /**
     * Ridge term of the least-squares refit of every consumer, relative to the mean diagonal of
     * X_S^T X_S (@crack/prune's `ridge`): 'auto' chooses it per consumer by 4-fold
     * cross-validation on the fitting rows, "keep the old weights" included (pruneModel's
     * default); a number fixes it, 1e-6 being the thesis's plain least squares. Run directories
     * written before this field existed used 1e-6.
     */
    ridge: number | 'auto';
    /**
     * Fraction of the sampled positions held out of channel selection and refit, on which
     * pruned/prune-report.json gives the held-out errors (@crack/prune's `holdout`), in [0, 0.9].
     * 0.2 is pruneModel's default; 0 fits on every position (the thesis, and run directories
     * written before this field existed).
     */
    holdout: number;
    /** Fine-tuning epochs after pruning (0 skips the stage). */
    finetuneEpochs: number;
    /** Adam learning rate of fine-tuning. */
    finetuneLearningRate: number;
    /**
     * Whom the fine-tuning distils from: 'teacher' (the cached teacher logits, as the student was
     * trained), 'parent' (the unpruned distilled student, whose function the pruned one should
     * keep) or 'none' (cross-entropy only).
     */
    finetuneTeacher: 'teacher' | 'parent' | 'none';
  };
  evaluate: {
    /** Probability threshold of a crack pixel. */
    threshold: number;
    /** Tolerance of the tolerant scores, in pixels (thesis: 2). */
    tolerance: number;
    /** Held-out images drawn as overlays. */
    overlays: number;
    /** Timed forward passes per model (the median is reported). */
    latencyRuns: number;
  };
  backend: {
    prefer: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
    threads: number;
  };
}

/** A U-Net's size and its training schedule. */
export interface ModelConfig {
  /** Poolings. */
  depth: number;
  /** Channels of the first level. */
  baseFilters: number;
  /** Training epochs. */
  epochs: number;
  /** Adam learning rate. */
  learningRate: number;
}

/** Learning-rate schedules of the training stages. */
export type LearningRateSchedule = 'constant' | 'cosine';

/** Names of the built-in presets. */
export type PresetName = 'tiny' | 'quick' | 'cfd' | 'thesis';

/** The built-in presets, by name. */
export const PRESET_NAMES: readonly PresetName[] = ['tiny', 'quick', 'cfd', 'thesis'];
