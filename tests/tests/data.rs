//! The `data` module: CSV reading into one-hot pairs, class indices and regression targets,
//! every error with its line and column, splits, and the standardizer stored next to a model.

use network::data::{
    Csv, DataError, DataErrorKind, Standardizer, one_hot, stratified_split, train_test_split,
    unzip, zip,
};
use network::prelude::*;

const WITH_HEADER: &str = "\
# a comment line, skipped
f1, f2, class

1.5, 2.0, 0
-3, 4e-1, 2
0.25,8,1
";

fn where_(e: &DataError) -> (Option<usize>, Option<usize>) {
    (e.line, e.column)
}

#[test]
fn one_hot_pairs_with_a_header_and_the_label_by_name() {
    let data: Vec<([f32; 2], [f32; 3])> = Csv::new(WITH_HEADER)
        .header(true)
        .label_named("class")
        .one_hot()
        .unwrap();
    assert_eq!(
        data,
        [
            ([1.5, 2.0], [1.0, 0.0, 0.0]),
            ([-3.0, 0.4], [0.0, 0.0, 1.0]),
            ([0.25, 8.0], [0.0, 1.0, 0.0]),
        ]
    );
}

#[test]
fn class_indices_with_the_label_by_index_and_no_header() {
    let text = "2,1.0,5\n0,3.5,6\n";
    let data: Vec<([f64; 2], usize)> = Csv::new(text).label(0).classes(3).unwrap();
    assert_eq!(data, [([1.0, 5.0], 2), ([3.5, 6.0], 0)]);
}

#[test]
fn regression_targets_take_adjacent_columns() {
    let text = "x,y1,y2,z\n1,10,20,2\n3,30,40,4\n";
    let csv = Csv::new(text).header(true).label_named("y1");
    let data: Vec<([f32; 2], [f32; 2])> = csv.regression().unwrap();
    assert_eq!(
        data,
        [([1.0, 2.0], [10.0, 20.0]), ([3.0, 4.0], [30.0, 40.0])]
    );
    assert_eq!(csv.column_names().unwrap(), ["x", "y1", "y2", "z"]);
    // By default the last columns are the targets.
    let last: Vec<([f32; 3], [f32; 1])> = Csv::new(text).header(true).regression().unwrap();
    assert_eq!(last[1], ([3.0, 30.0, 40.0], [4.0]));
}

#[test]
fn another_delimiter() {
    let data: Vec<([f32; 2], usize)> = Csv::new("1;2;1\n").delimiter(';').classes(2).unwrap();
    assert_eq!(data, [([1.0, 2.0], 1)]);
}

#[test]
fn a_bad_cell_names_its_line_and_column() {
    let text = "a,b,c\n1,2,0\n3,oops,1\n";
    let e = Csv::new(text)
        .header(true)
        .one_hot::<f32, 2, 2>()
        .unwrap_err();
    assert_eq!(where_(&e), (Some(3), Some(2)));
    assert!(matches!(&e.kind, DataErrorKind::NotANumber { text } if text == "oops"));
    assert_eq!(
        e.to_string(),
        "line 3, column 2: `oops` is not a finite number"
    );
    // NaN and infinities are refused too: they would poison training.
    let e = Csv::new("1,NaN,0\n").one_hot::<f32, 2, 2>().unwrap_err();
    assert_eq!(where_(&e), (Some(1), Some(2)));
    let e = Csv::new("1,2,0\ninf,2,0\n")
        .one_hot::<f32, 2, 2>()
        .unwrap_err();
    assert_eq!(where_(&e), (Some(2), Some(1)));
    // An empty cell.
    let e = Csv::new("1,,0\n").one_hot::<f32, 2, 2>().unwrap_err();
    assert_eq!(e.to_string(), "line 1, column 2: `` is not a finite number");
}

#[test]
fn a_row_with_too_few_or_too_many_columns() {
    let e = Csv::new("1,2,0\n1,2\n").one_hot::<f32, 2, 2>().unwrap_err();
    assert_eq!(where_(&e), (Some(2), Some(3)));
    assert!(matches!(
        e.kind,
        DataErrorKind::ColumnCount {
            expected: 3,
            found: 2
        }
    ));
    assert_eq!(
        e.to_string(),
        "line 2, column 3: the row has 2 columns, 3 are needed"
    );
    let e = Csv::new("1,2,0,9\n").one_hot::<f32, 2, 2>().unwrap_err();
    assert_eq!(where_(&e), (Some(1), Some(4)));
}

#[test]
fn a_class_out_of_range_or_not_an_integer() {
    let e = Csv::new("1,2,0\n1,2,3\n")
        .one_hot::<f32, 2, 3>()
        .unwrap_err();
    assert_eq!(where_(&e), (Some(2), Some(3)));
    assert!(matches!(&e.kind, DataErrorKind::BadClass { text, classes: 3 } if text == "3"));
    assert_eq!(
        e.to_string(),
        "line 2, column 3: class `3` is not an integer from 0 to 2"
    );
    let e = Csv::new("1,2,1.5\n").classes::<f32, 2>(3).unwrap_err();
    assert_eq!(where_(&e), (Some(1), Some(3)));
    let e = Csv::new("1,2,-1\n").classes::<f32, 2>(3).unwrap_err();
    assert_eq!(where_(&e), (Some(1), Some(3)));
    // `2.0` is a class index.
    let ok: Vec<([f32; 2], usize)> = Csv::new("1,2,2.0\n").classes(3).unwrap();
    assert_eq!(ok[0].1, 2);
    // The label column need not be the last: the error names the column it is in.
    let e = Csv::new("7,1,2\n")
        .label(0)
        .classes::<f32, 2>(3)
        .unwrap_err();
    assert_eq!(where_(&e), (Some(1), Some(1)));
}

#[test]
fn a_regression_target_that_is_not_a_number() {
    let e = Csv::new("1,2,3\n1,2,x\n")
        .regression::<f32, 2, 1>()
        .unwrap_err();
    assert_eq!(where_(&e), (Some(2), Some(3)));
}

#[test]
fn a_label_name_missing_from_the_header() {
    let e = Csv::new(WITH_HEADER)
        .header(true)
        .label_named("species")
        .one_hot::<f32, 2, 3>()
        .unwrap_err();
    assert_eq!(where_(&e), (Some(2), None));
    assert_eq!(
        e.to_string(),
        "line 2: no column named `species` in the header (f1,f2,class)"
    );
    let e = Csv::new("1,2,0\n")
        .label_named("class")
        .one_hot::<f32, 2, 3>()
        .unwrap_err();
    assert!(matches!(e.kind, DataErrorKind::NoHeader));
}

#[test]
fn a_label_column_past_the_row() {
    let e = Csv::new("1,2,0\n")
        .label(3)
        .one_hot::<f32, 2, 3>()
        .unwrap_err();
    assert!(matches!(
        e.kind,
        DataErrorKind::LabelOutOfRow {
            index: 3,
            columns: 3
        }
    ));
    assert_eq!(where_(&e), (None, None));
}

#[test]
fn no_data_rows() {
    let e = Csv::new("a,b,c\n\n# only a header\n")
        .header(true)
        .one_hot::<f32, 2, 2>()
        .unwrap_err();
    assert!(matches!(e.kind, DataErrorKind::Empty));
    assert_eq!(e.to_string(), "no data rows");
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("network-data-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn errors_from_a_file_name_the_file() {
    let dir = temp_dir("file");
    let path = dir.join("bad.csv");
    std::fs::write(&path, "1,2,0\n1,2,zz\n").unwrap();
    let e = Csv::read(&path)
        .unwrap()
        .one_hot::<f32, 2, 2>()
        .unwrap_err();
    assert_eq!(e.path.as_deref(), Some(path.as_path()));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: line 2, column 3: class `zz` is not an integer from 0 to 1",
            path.display()
        )
    );
    let missing = dir.join("missing.csv");
    let e = Csv::read(&missing).unwrap_err();
    assert!(matches!(&e.kind, DataErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound));
    assert!(
        e.to_string()
            .starts_with(&format!("{}: ", missing.display()))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_hot_encodes_and_refuses_out_of_range() {
    assert_eq!(one_hot::<f32, 3>(1), [0.0, 1.0, 0.0]);
    let y: [f64; 2] = one_hot(0);
    assert_eq!(y, [1.0, 0.0]);
    let panicked = std::panic::catch_unwind(|| one_hot::<f32, 3>(3)).unwrap_err();
    let msg = panicked.downcast_ref::<String>().unwrap();
    assert_eq!(msg, "class 3 is out of range for 3 classes (0 to 2)");
}

#[test]
fn splits_are_seeded_disjoint_and_complete() {
    let data: Vec<u32> = (0..100).collect();
    let (train, test) = train_test_split(&data, 0.3, 5);
    assert_eq!((train.len(), test.len()), (70, 30));
    let mut all: Vec<u32> = train.iter().chain(&test).copied().collect();
    all.sort();
    assert_eq!(all, data);
    assert_eq!(
        train_test_split(&data, 0.3, 5),
        (train.clone(), test.clone())
    );
    assert_ne!(train_test_split(&data, 0.3, 6).1, test);
    assert_eq!(train_test_split(&data, 0.0, 5).1.len(), 0);
    assert_eq!(train_test_split(&data, 1.0, 5).0.len(), 0);
}

#[test]
fn a_stratified_split_keeps_the_class_proportions() {
    // 60 of class 0, 30 of class 1, 10 of class 2.
    let data: Vec<(u32, usize)> = (0..100)
        .map(|i| {
            (
                i,
                if i < 60 {
                    0
                } else if i < 90 {
                    1
                } else {
                    2
                },
            )
        })
        .collect();
    let (train, test) = stratified_split(&data, 0.3, 3, |s| s.1);
    let count = |v: &[(u32, usize)], c| v.iter().filter(|s| s.1 == c).count();
    assert_eq!(
        [count(&test, 0), count(&test, 1), count(&test, 2)],
        [18, 9, 3]
    );
    assert_eq!(
        [count(&train, 0), count(&train, 1), count(&train, 2)],
        [42, 21, 7]
    );
    // Shuffled, not grouped by class.
    assert!(test.windows(2).any(|w| w[0].1 > w[1].1));
}

#[test]
fn the_standardizer_fits_the_training_split_and_round_trips_through_a_file() {
    let train = vec![([1.0f32, 10.0, 5.0], 0usize), ([3.0, 30.0, 5.0], 1)];
    let s = Standardizer::fit_samples(&train);
    assert_eq!(s.mean(), &[2.0, 20.0, 5.0]);
    // The constant feature keeps a deviation of 1, so it maps to 0, not NaN.
    assert_eq!(s.std(), &[1.0, 10.0, 1.0]);
    assert_eq!(s.transform(&[3.0, 10.0, 5.0]), [1.0, -1.0, 0.0]);
    assert_eq!(s.inverse(&[1.0, -1.0, 0.0]), [3.0, 10.0, 5.0]);
    let mut test = vec![([2.0f32, 40.0, 6.0], 0usize)];
    s.apply_samples(&mut test);
    assert_eq!(test[0].0, [0.0, 2.0, 1.0]);

    let odd = Standardizer::<f32, 2>::from_parts([0.1, 1e-7], [3.3, 0.7]);
    let dir = temp_dir("scale");
    let path = dir.join("model.scale");
    odd.save(&path).unwrap();
    assert_eq!(
        Standardizer::<f32, 2>::load(&path).unwrap(),
        odd,
        "not bit-exact"
    );
    let e = Standardizer::<f32, 3>::load(&path).unwrap_err();
    assert!(matches!(
        e.kind,
        DataErrorKind::FeatureCount {
            expected: 3,
            found: 2
        }
    ));
    std::fs::write(&path, "mean,std\n0.5,1\n0.5,x\n").unwrap();
    let e = Standardizer::<f32, 2>::load(&path).unwrap_err();
    assert_eq!(where_(&e), (Some(3), Some(2)));
    assert_eq!(e.path.as_deref(), Some(path.as_path()));
    std::fs::remove_dir_all(&dir).unwrap();
}

network! {
    #[derive(Clone)]
    struct Tiny < dense(2 -> 3, tanh), dense(3 -> 2, softmax) >
}

#[test]
fn pairs_and_slices_convert_both_ways_for_fit_and_train_batch() {
    let pairs: Vec<([f32; 2], [f32; 2])> =
        Csv::new("0,0,0\n0,1,1\n1,0,1\n1,1,0\n").one_hot().unwrap();
    let (xs, ys) = unzip(&pairs);
    assert_eq!(zip(&xs, &ys), pairs);
    let mut a: Tiny = Tiny::seeded(1);
    let mut b = a.clone();
    a.train_batch(&xs, &ys, &CrossEntropy, &mut Sgd::new(0.5))
        .unwrap();
    // One epoch of `fit` over the same batch, unshuffled, is the same step.
    let config = FitConfig::new(1).batch_size(4).shuffle(false);
    fit(&mut b, &pairs, &CrossEntropy, &mut Sgd::new(0.5), config).unwrap();
    assert_eq!(a.forward(&[0.3, 0.7]), b.forward(&[0.3, 0.7]));
}
