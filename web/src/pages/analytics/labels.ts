const MODELS: Record<string, string> = {
  first: 'First touch', last: 'Last touch', last_non_direct: 'Last non-direct', linear: 'Linear',
  time_decay: 'Time decay', position: 'Position (U)', markov: 'Markov chain', shapley: 'Shapley',
};

export const modelLabel = (m: string) => MODELS[m] ?? m;

export const COLORS = ['#3b5bdb', '#f08c00', '#2f9e44', '#e03131', '#7048e8', '#1098ad', '#c2255c', '#5c940d', '#495057', '#d9480f'];
