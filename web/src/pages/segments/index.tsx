export default function Page() {
  return <h1>Segments</h1>;
}
